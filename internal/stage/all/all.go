// Package all registers every stage kind with the flow engine; the server
// imports it for its side effects.
package all

import (
	_ "github.com/usher-id/usher/internal/stage/deny"           // deny stage
	_ "github.com/usher-id/usher/internal/stage/identification" // identification stage
	_ "github.com/usher-id/usher/internal/stage/invitation"     // invitation stage
	_ "github.com/usher-id/usher/internal/stage/password"       // password stage
	_ "github.com/usher-id/usher/internal/stage/prompt"         // prompt stage
	_ "github.com/usher-id/usher/internal/stage/userlogin"      // user login stage
	_ "github.com/usher-id/usher/internal/stage/userlogout"     // user logout stage
	_ "github.com/usher-id/usher/internal/stage/userwrite"      // user write stage
)

// Package all registers every stage kind with the flow engine; the server
// imports it for its side effects.
package all

import (
	_ "github.com/usher-id/usher/internal/flow/stage/authemail"      // email code setup stage
	_ "github.com/usher-id/usher/internal/flow/stage/authstatic"     // static (recovery) token setup stage
	_ "github.com/usher-id/usher/internal/flow/stage/authtotp"       // TOTP setup stage
	_ "github.com/usher-id/usher/internal/flow/stage/authvalidate"   // authenticator validation stage
	_ "github.com/usher-id/usher/internal/flow/stage/authwebauthn"   // WebAuthn setup stage
	_ "github.com/usher-id/usher/internal/flow/stage/consent"        // consent stage
	_ "github.com/usher-id/usher/internal/flow/stage/deny"           // deny stage
	_ "github.com/usher-id/usher/internal/flow/stage/email"          // email stage
	_ "github.com/usher-id/usher/internal/flow/stage/identification" // identification stage
	_ "github.com/usher-id/usher/internal/flow/stage/invitation"     // invitation stage
	_ "github.com/usher-id/usher/internal/flow/stage/password"       // password stage
	_ "github.com/usher-id/usher/internal/flow/stage/prompt"         // prompt stage
	_ "github.com/usher-id/usher/internal/flow/stage/userlogin"      // user login stage
	_ "github.com/usher-id/usher/internal/flow/stage/userlogout"     // user logout stage
	_ "github.com/usher-id/usher/internal/flow/stage/userwrite"      // user write stage
)

package invitation

import "testing"

// The console and the CLI warn about fixed-data keys that reach nothing;
// both ask AppliesWithoutPrompt, which must follow the user write stage.
func TestAppliesWithoutPrompt(t *testing.T) {
	for key, want := range map[string]bool{
		"username": true, "name": true, "email": true, "password": true, "is_active": true,
		"type": true, "path": true, "attributes": true, "attributes.department": true,
		"attributes_team": true,
		"groups":          false, "department": false, "password_repeat": false, "token": false,
	} {
		if got := AppliesWithoutPrompt(key); got != want {
			t.Errorf("AppliesWithoutPrompt(%q) = %v, want %v", key, got, want)
		}
	}
}

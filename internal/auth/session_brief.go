package auth

import "time"

// DefaultBriefTTL is how long a session stored before any answer lives
// (KeepBriefly): long enough to fill in a form, short enough that a link
// scanner opening many links leaves little behind for long. Once it has
// expired, its cookie is adopted like that of a session never stored, so a
// visitor who answers later loses nothing but the row.
const DefaultBriefTTL = 15 * time.Minute

// KeepBriefly asks for a new row to live BriefTTL instead of TTL: the
// session holds state a visit without an answer left that the next request
// cannot rebuild (see flow.Rebuildable). The next save that does not ask
// for it (the first answer) gives the row the normal TTL.
func (s *Session) KeepBriefly() { s.brief = true }

func (m *Manager) briefTTL() time.Duration {
	d := m.BriefTTL
	if d <= 0 {
		d = DefaultBriefTTL
	}
	if d > m.TTL && m.TTL > 0 {
		d = m.TTL
	}
	return d
}

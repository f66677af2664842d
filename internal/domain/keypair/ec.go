package keypair

import "crypto/elliptic"

func ellipticP256() elliptic.Curve { return elliptic.P256() }

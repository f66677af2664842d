package policy

import (
	"fmt"
	"math/big"
	"net/netip"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// ipValue is Python's ipaddress.IPv4Address/IPv6Address as far as policies
// use it: comparisons, attributes and membership in an ip_network.
type ipValue struct{ addr netip.Addr }

var (
	_ starlark.HasAttrs       = (*ipValue)(nil)
	_ starlark.TotallyOrdered = (*ipValue)(nil)
)

func (v *ipValue) String() string        { return v.addr.String() }
func (v *ipValue) Type() string          { return "ip_address" }
func (v *ipValue) Freeze()               {}
func (v *ipValue) Truth() starlark.Bool  { return true }
func (v *ipValue) Hash() (uint32, error) { return starlark.String(v.addr.String()).Hash() }
func (v *ipValue) Cmp(y starlark.Value, _ int) (int, error) {
	return v.addr.Compare(y.(*ipValue).addr), nil
}

func (v *ipValue) AttrNames() []string {
	return []string{"compressed", "exploded", "is_global", "is_link_local", "is_loopback",
		"is_multicast", "is_private", "is_unspecified", "version"}
}

func (v *ipValue) Attr(name string) (starlark.Value, error) {
	a := v.addr
	switch name {
	case "version":
		if a.Is4() {
			return starlark.MakeInt(4), nil
		}
		return starlark.MakeInt(6), nil
	case "compressed":
		return starlark.String(a.String()), nil
	case "exploded":
		return starlark.String(a.StringExpanded()), nil
	case "is_private":
		return starlark.Bool(a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast()), nil
	case "is_global":
		return starlark.Bool(a.IsGlobalUnicast() && !a.IsPrivate()), nil
	case "is_loopback":
		return starlark.Bool(a.IsLoopback()), nil
	case "is_link_local":
		return starlark.Bool(a.IsLinkLocalUnicast()), nil
	case "is_multicast":
		return starlark.Bool(a.IsMulticast()), nil
	case "is_unspecified":
		return starlark.Bool(a.IsUnspecified()), nil
	}
	return nil, nil
}

// networkValue is ipaddress.ip_network: `ip in network` tests membership.
type networkValue struct{ prefix netip.Prefix }

var (
	_ starlark.HasAttrs  = (*networkValue)(nil)
	_ starlark.Container = (*networkValue)(nil)
)

func (n *networkValue) String() string        { return n.prefix.String() }
func (n *networkValue) Type() string          { return "ip_network" }
func (n *networkValue) Freeze()               {}
func (n *networkValue) Truth() starlark.Bool  { return true }
func (n *networkValue) Hash() (uint32, error) { return starlark.String(n.prefix.String()).Hash() }

func (n *networkValue) CompareSameType(op syntax.Token, y starlark.Value, _ int) (bool, error) {
	eq := n.prefix == y.(*networkValue).prefix
	switch op {
	case syntax.EQL:
		return eq, nil
	case syntax.NEQ:
		return !eq, nil
	}
	return false, fmt.Errorf("%s %s %s not supported", n.Type(), op, y.Type())
}

// Has accepts an ip_address or a string; Python returns False for strings,
// but policies written against ak_client_ip never need that distinction.
func (n *networkValue) Has(x starlark.Value) (bool, error) {
	switch t := x.(type) {
	case *ipValue:
		return n.prefix.Contains(t.addr.Unmap()), nil
	case starlark.String:
		a, err := netip.ParseAddr(string(t))
		if err != nil {
			return false, nil
		}
		return n.prefix.Contains(a.Unmap()), nil
	}
	return false, nil
}

func (n *networkValue) AttrNames() []string {
	return []string{"network_address", "num_addresses", "prefixlen", "version"}
}

func (n *networkValue) Attr(name string) (starlark.Value, error) {
	switch name {
	case "network_address":
		return &ipValue{addr: n.prefix.Addr()}, nil
	case "prefixlen":
		return starlark.MakeInt(n.prefix.Bits()), nil
	case "version":
		if n.prefix.Addr().Is4() {
			return starlark.MakeInt(4), nil
		}
		return starlark.MakeInt(6), nil
	case "num_addresses":
		bits := n.prefix.Addr().BitLen() - n.prefix.Bits()
		return starlark.MakeBigInt(new(big.Int).Lsh(big.NewInt(1), uint(bits))), nil
	}
	return nil, nil
}

func parseIP(s string) (*ipValue, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, fmt.Errorf("%q does not appear to be an IPv4 or IPv6 address", s)
	}
	return &ipValue{addr: a.Unmap()}, nil
}

func builtinIPAddress(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &s); err != nil {
		return nil, err
	}
	if ip, ok := s.(*ipValue); ok {
		return ip, nil
	}
	str, ok := s.(starlark.String)
	if !ok {
		return nil, fmt.Errorf("ip_address: want a string, got %s", s.Type())
	}
	return parseIP(string(str))
}

func builtinIPNetwork(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var s string
	strict := true
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "address", &s, "strict?", &strict); err != nil {
		return nil, err
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s) // a bare address is a /32 or /128 network
		if aerr != nil {
			return nil, fmt.Errorf("%q does not appear to be an IPv4 or IPv6 network", s)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Masked() != p {
		if strict {
			return nil, fmt.Errorf("%s has host bits set", s)
		}
		p = p.Masked()
	}
	return &networkValue{prefix: p}, nil
}

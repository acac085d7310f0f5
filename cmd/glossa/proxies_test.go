package main

import (
	"slices"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "", want: nil},
		{in: " , ", want: nil},
		{in: "127.0.0.1", want: []string{"127.0.0.1/32"}},
		{in: "10.0.0.0/8, 192.0.2.7 ,::1", want: []string{"10.0.0.0/8", "192.0.2.7/32", "::1/128"}},
		{in: "10.1.2.3/8", want: []string{"10.0.0.0/8"}},
		{in: "::ffff:192.0.2.7", want: []string{"192.0.2.7/32"}},
		{in: "proxy.example", err: true},
		{in: "10.0.0.0/33", err: true},
	} {
		got, err := parseTrustedProxies(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("parseTrustedProxies(%q): error %v", tc.in, err)
			continue
		}
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if !slices.Equal(s, tc.want) {
			t.Errorf("parseTrustedProxies(%q) = %v, want %v", tc.in, s, tc.want)
		}
	}
}

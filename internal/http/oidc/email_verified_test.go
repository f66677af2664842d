package oidc_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/testapp"
)

// email_verified is sent when false too, in the ID token and from
// userinfo: relying parties such as oauth2-proxy read a missing claim as a
// verified address and would let anyone who typed someone else's address
// in as them.
func TestEmailVerifiedFalseIsSent(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, b, nil)
			claims := func() (idToken, userinfo map[string]any) {
				tok := e.signIn()
				raw, _ := tok.Extra("id_token").(string)
				seg, err := base64URL(strings.Split(raw, ".")[1])
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(seg, &idToken); err != nil {
					t.Fatal(err)
				}
				req, _ := http.NewRequest(http.MethodGet, e.base+"/application/o/userinfo/", nil)
				req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if err := json.Unmarshal(body, &userinfo); err != nil {
					t.Fatalf("userinfo %d: %s", resp.StatusCode, body)
				}
				return idToken, userinfo
			}
			id, info := claims()
			if v, ok := id["email_verified"]; !ok || v != false {
				t.Errorf("ID token email_verified = %v (present %v), want false", v, ok)
			}
			if v, ok := info["email_verified"]; !ok || v != false {
				t.Errorf("userinfo email_verified = %v (present %v), want false", v, ok)
			}

			u, err := e.a.Store.GetUser(ctx, e.user.PK)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := user.MarkEmailVerified(ctx, e.a.Store, &u, u.Email); err != nil {
				t.Fatal(err)
			}
			id, info = claims()
			if id["email_verified"] != true || info["email_verified"] != true {
				t.Errorf("verified address: ID token %v, userinfo %v, want true", id["email_verified"], info["email_verified"])
			}
		})
	}
}

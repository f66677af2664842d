package mail

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    Config
		wantErr []string
	}{
		{name: "defaults", env: map[string]string{},
			want: Config{Host: "localhost", Port: 25, Timeout: 10 * time.Second, From: "usher@localhost"}},
		{name: "all set", env: map[string]string{EnvHost: "smtp.example.com", EnvPort: "587", EnvUsername: "u",
			EnvPassword: "p", EnvUseTLS: "true", EnvTimeout: "30", EnvFrom: "Usher <id@example.com>"},
			want: Config{Host: "smtp.example.com", Port: 587, Username: "u", Password: "p", UseTLS: true,
				Timeout: 30 * time.Second, From: "Usher <id@example.com>"}},
		{name: "duration timeout", env: map[string]string{EnvTimeout: "1m30s", EnvUseSSL: "1", EnvPort: "465"},
			want: Config{Host: "localhost", Port: 465, UseSSL: true, Timeout: 90 * time.Second, From: "usher@localhost"}},
		{name: "every problem at once", env: map[string]string{EnvPort: "smtp", EnvUseTLS: "yes please", EnvTimeout: "-3"},
			wantErr: []string{`USHER_EMAIL__PORT: "smtp" is not a port number`, `USHER_EMAIL__USE_TLS: "yes please" is not a boolean`,
				`USHER_EMAIL__TIMEOUT: "-3" is not a timeout`}},
		{name: "combination", env: map[string]string{EnvUseTLS: "true", EnvUseSSL: "true", EnvFrom: "nobody", EnvPort: "70000"},
			wantErr: []string{"USHER_EMAIL__USE_TLS and USHER_EMAIL__USE_SSL: set at most one", `USHER_EMAIL__FROM: "nobody"`,
				"USHER_EMAIL__PORT: 70000 is not between 1 and 65535"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFrom(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				for _, w := range tt.wantErr {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("error %v lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tt.want.String() {
				t.Errorf("got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestConfigStringRedactsPassword(t *testing.T) {
	c := DefaultConfig()
	c.Username, c.Password = "u", "hunter2"
	if s := c.String(); strings.Contains(s, "hunter2") || !strings.Contains(s, `password="********"`) {
		t.Errorf("String() = %s", s)
	}
}

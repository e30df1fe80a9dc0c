package browser

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/auth"
	"piste/fleet/server"
	"piste/fleet/store"
)

const password = "correct horse battery"

// startFleet runs a real fleet server in-process on a loopback port with
// its own data directory.
func startFleet(t testing.TB) *server.Server {
	t.Helper()
	srv, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), TLS: server.TLSOff},
		slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NoError(t, srv.Start())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv
}

// addBranch and addUser do what `piste-fleet branch add` and `user add` do.
func addBranch(t testing.TB, srv *server.Server, id, name string) {
	t.Helper()
	require.NoError(t, srv.Store.AddBranch(context.Background(), store.Branch{ID: id, Name: name, TZ: "Europe/Helsinki"}))
}

func addUser(t testing.TB, srv *server.Server, name, role, branch string) {
	t.Helper()
	hash, err := auth.HashPassword(password)
	require.NoError(t, err)
	require.NoError(t, srv.Store.AddUser(context.Background(), store.User{Name: name, Role: role, Branches: store.OneBranch(branch), PWHash: hash}))
}

// enrollAgent enrolls a terminal with a fresh code and connects it.
func enrollAgent(t *testing.T, srv *server.Server, branch, name, kind string) *testAgent {
	t.Helper()
	code, err := api.NewEnrollCode(context.Background(), srv.Store, branch, 1, time.Hour)
	require.NoError(t, err)
	return connectAgent(t, srv.URL, enroll(t, srv.URL, code, name, kind), kind)
}

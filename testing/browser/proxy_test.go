package browser

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// linkProxy is a TCP relay between the browser and the fleet, so a test
// can cut the network under a page: drop every open connection and refuse
// new ones until resumed.
type linkProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	conns  map[net.Conn]bool
	paused bool
}

func newLinkProxy(t *testing.T, target string) *linkProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &linkProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.drop()
	})
	return p
}

// URL is the fleet's address as seen through the proxy.
func (p *linkProxy) URL() string { return "http://" + p.ln.Addr().String() }

func (p *linkProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.relay(c)
	}
}

func (p *linkProxy) relay(client net.Conn) {
	p.mu.Lock()
	paused := p.paused
	p.mu.Unlock()
	if paused {
		client.Close()
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		client.Close()
		return
	}
	p.track(client, server)
	defer p.untrack(client, server)
	done := make(chan struct{}, 2)
	go func() { io.Copy(server, client); done <- struct{}{} }()
	go func() { io.Copy(client, server); done <- struct{}{} }()
	<-done
}

func (p *linkProxy) track(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		p.conns[c] = true
	}
}

func (p *linkProxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		c.Close()
		delete(p.conns, c)
	}
}

// cut drops every open connection and refuses new ones.
func (p *linkProxy) cut() {
	p.mu.Lock()
	p.paused = true
	p.mu.Unlock()
	p.drop()
}

// restore lets connections through again.
func (p *linkProxy) restore() {
	p.mu.Lock()
	p.paused = false
	p.mu.Unlock()
}

func (p *linkProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

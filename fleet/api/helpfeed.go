package api

import (
	"context"
	"sync"

	"piste/fleet/changes"
	"piste/fleet/help"
)

// helpFeed loads each changed help request once and hands it to every
// live queue, which shows it to its member if they may see it: twenty
// volunteers watching a branch cost one read per change, not twenty.
type helpFeed struct {
	once sync.Once
	mu   sync.Mutex
	subs map[*feedSub]struct{}
}

// feedSub is one live queue's inbox. resync asks it to reload its whole
// queue: duty changed, or it or the feed fell behind.
type feedSub struct {
	items  chan help.Item
	resync chan struct{}
}

// feedBuffer is how many changed requests a live queue may lag behind
// before it is told to reload instead.
const feedBuffer = 1024

func (a *API) subscribeHelp() (*feedSub, func()) {
	f := &a.helpFeed
	f.once.Do(func() {
		f.subs = map[*feedSub]struct{}{}
		// Subscribe now, so nothing published after the first socket's
		// subscription is missed.
		heard := a.Changes.SubscribeLimit(helpLiveLimit, changes.HelpChanged)
		go a.runHelpFeed(heard)
	})
	s := &feedSub{items: make(chan help.Item, feedBuffer), resync: make(chan struct{}, 1)}
	f.mu.Lock()
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	return s, func() {
		f.mu.Lock()
		delete(f.subs, s)
		f.mu.Unlock()
	}
}

func (a *API) runHelpFeed(heard *changes.Subscription) {
	defer heard.Close()
	for {
		select {
		case <-a.Hub.Done():
			return
		case <-heard.Ready():
		}
		cs, behind := heard.Take()
		for _, c := range cs {
			if c.Item == "" {
				behind = true // duty changed: queues show who is on duty
			}
		}
		if behind {
			a.helpFeed.each(func(s *feedSub) { s.askResync() })
		}
		for _, c := range cs {
			if c.Item == "" {
				continue
			}
			it, err := a.Help.Load(context.Background(), c.Item)
			if err != nil {
				continue
			}
			a.helpFeed.each(func(s *feedSub) {
				select {
				case s.items <- it:
				default:
					s.askResync()
				}
			})
		}
	}
}

func (f *helpFeed) each(fn func(*feedSub)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		fn(s)
	}
}

func (s *feedSub) askResync() {
	select {
	case s.resync <- struct{}{}:
	default:
	}
}

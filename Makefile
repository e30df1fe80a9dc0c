# Piste: `make demo` runs a whole library network on this machine;
# `make test` runs every test. Both install what they need when missing.

SHELL := /bin/bash
GO ?= go
BIN := $(CURDIR)/bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X piste/fleet/cli.Version=$(VERSION) -X piste/agent/cli.Version=$(VERSION)
DEMO_DATA ?= $(CURDIR)/demo-data
N ?= 10000

# Debian packages: fyne's C build, Xvfb for UI tests, Chromium for browser tests.
FYNE_PKGS := gcc libc6-dev pkg-config libgl-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
# cron, at and CUPS let the wipe tests plant and remove a visitor's jobs.
TEST_PKGS := chromium xvfb cron at cups-client cups-daemon e2fsprogs keyutils fuse3 bindfs
# espeak-ng speaks the kiosk's screens; xdotool presses the kiosk-wide key from outside it.
TEST_PKGS += espeak-ng xdotool

# The installers' tests: the MSI (wixl, msitools), its signature, and the
# visitor's desktop session (openbox, xdotool, xhost).
TEST_PKGS += wixl msitools osslsigncode openbox xdotool x11-xserver-utils x11-utils
# Building packages: the MSI tools; the .deb files need only Go (nfpm).
PKG_PKGS := wixl osslsigncode
DIST ?= $(CURDIR)/dist
# Production: SIGN_CERT and SIGN_KEY (PEM) or SIGN_PKCS12 and SIGN_PASS_FILE.
SIGN_CERT ?=
SIGN_KEY ?=
SIGN_PKCS12 ?=
SIGN_PASS_FILE ?=


.PHONY: deps-npm bench-a11y bench-admin bench-signage bench-rollout bench-turnover-session packages screenshots-session
.PHONY: all build demo test vet bench-fleet bench-help bench-login bench-wipe screenshots deps deps-test clean fmt

all: build

## deps: install the Debian packages the build needs (when missing).
deps:
	@./testing/scripts/apt-ensure $(FYNE_PKGS)

## deps-test: install the Debian packages the tests need (when missing).
deps-test: deps
	@./testing/scripts/apt-ensure $(TEST_PKGS)

## build: every binary into ./bin (the kiosk UI needs cgo and the fyne packages).
build: deps
	@mkdir -p $(BIN)
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./fleet/cmd/... ./agent/cmd/... ./testing/cmd/...
	CGO_ENABLED=1 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./kiosk-ui/cmd/piste-kiosk

## demo: a fleet with three branches, ~30 simulated terminals and one real agent.
demo: build
	@./testing/scripts/demo "$(BIN)" "$(DEMO_DATA)"

vet:
	$(GO) vet ./...

## deps-npm: axe-core for the browser tests' accessibility check (testing/browser/package.json).
deps-npm:
	@test -f testing/browser/node_modules/axe-core/axe.min.js || (cd testing/browser && npm ci --no-audit --no-fund)

## test: gofmt, go mod tidy, vet, all tests with the race detector (browser and UI tests included), the Windows agent build.
test: deps-test deps-npm
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; $(GO) mod tidy -diff; exit 1; }
	$(GO) vet ./...
	GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o /dev/null ./agent/cmd/piste-agent
	./testing/scripts/test-services ./testing/scripts/with-xvfb $(GO) test -race -timeout 40m ./...

## bench-fleet: N simulated terminals (default 10000) against one fleet; prints BENCH lines.
bench-fleet: build
	$(BIN)/piste-bench-fleet --fleet $(BIN)/piste-fleet --terminals $(N)

## bench-help: N simulated terminals (default 10000) in 20 branches, 50 help requests/s, 20 volunteer
## live sockets; prints the create → volunteer delivery p50/p99 as BENCH lines.
bench-help: build
	$(BIN)/piste-bench-help --fleet $(BIN)/piste-fleet --terminals $(N) --rate 50 --volunteers 20

## bench-login: card-login round trip through fleet + SIP2 test server, 100 concurrent logins;
## then 100 wrong staff passwords at once, and the fleet's peak RSS.
bench-login: build
	$(BIN)/piste-bench-login --fleet $(BIN)/piste-fleet --sip2 $(BIN)/piste-sip2-server --concurrency 100 --staff-flood 100

## bench-wipe: wipe strategies on a 10,000-file, 500 MB home with 50 processes, and visitor turnover (root).
bench-wipe: build
	$(BIN)/piste-bench-wipe

## bench-admin: the admin console in Chromium with 50,000 stored terminals and 5,000 live simulated ones
## changing state: first paint of the list, a filter change, live change → row updated (p50, p99); prints BENCH lines.
bench-admin: deps-test
	$(GO) test ./testing/browser -run '^$$' -bench BenchmarkAdminConsole -benchtime=1x -timeout 30m
## bench-measures: a month's measures and open data over 80 branches, 20,000 PCs, 100,000 sessions.
.PHONY: bench-measures
bench-measures:
	$(GO) test ./fleet/measures -run '^$$' -bench BenchmarkOpenData -benchtime=20x
## bench-signage: 500 simulated info screens, a 100 MB playlist change and urgent notices; prints
## the time until every screen has the new manifest active, the bytes sent and the notice ack p99.
bench-signage: build
	$(BIN)/piste-bench-signage --fleet $(BIN)/piste-fleet --screens 500 --change-mb 100
## bench-rollout: a signed 20 MB release rolled out in one wave to 1,000 simulated terminals;
## the wave's time, the fleet's bytes sent and its peak RSS.
bench-rollout: build
	$(BIN)/piste-bench-rollout --fleet $(BIN)/piste-fleet --terminals 1000 --release-mb 20

## packages: dist/ gets piste-agent_VERSION_amd64.deb (agent, kiosk UI, visitor session),
## piste-fleet_VERSION_amd64.deb, piste-agent-VERSION-x64.msi (signed) and SHA256SUMS.
## Without SIGN_CERT/SIGN_KEY (or SIGN_PKCS12) the MSI is built unsigned, and says so.
packages: deps
	@./testing/scripts/apt-ensure $(PKG_PKGS)
	$(GO) run ./installers/cmd/piste-packages --out $(DIST) \
		$(if $(SIGN_PKCS12),--sign-pkcs12 $(SIGN_PKCS12) $(if $(SIGN_PASS_FILE),--sign-pass-file $(SIGN_PASS_FILE)),$(if $(SIGN_CERT),--sign-cert $(SIGN_CERT) --sign-key $(SIGN_KEY),--unsigned))

## bench-turnover-session: end pressed -> a fresh visitor session showing the welcome screen,
## with the installed packages, openbox and the kiosk UI under Xvfb (root; installs and purges
## the packages). Prints a BENCH line.
bench-turnover-session: deps-test
	set -o pipefail; PISTE_TURNOVERS=$${TURNOVERS:-5} $(GO) test -count=1 -timeout 20m -v -run 'TestPackagesOnThisMachine' ./installers/packages/ | grep -E 'BENCH|^(ok|FAIL|---)'

## screenshots-session: the real visitor session (bar above a browser) into docs/screenshots (root).
screenshots-session: deps-test
	PISTE_SCREENSHOT_DIR=$(CURDIR)/docs/screenshots $(GO) test -count=1 -timeout 20m -run 'TestPackagesOnThisMachine' ./installers/packages/

## screenshots: every kiosk screen in fi/sv/en at 100 % and 200 % into docs/screenshots.
screenshots:
	CGO_ENABLED=0 $(GO) run -tags ci ./kiosk-ui/cmd/piste-screenshots --out docs/screenshots

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN) $(DEMO_DATA) $(DIST)

## bench-a11y: an espeak-ng utterance, a kiosk screen rendered through the app at 200 %, and the fleet's remembered-settings look-up.
bench-a11y: deps-test
	$(GO) test -run '^$$' -bench . -benchtime 20x ./kiosk-ui/speech ./kiosk-ui/internal/shots ./fleet/mydata

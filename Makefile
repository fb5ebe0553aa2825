# cockpit-passthrough
PACKAGE = passthrough
VERSION := $(shell node -p 'require("./package.json").version' 2>/dev/null || echo 0)
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_DIR = $(DESTDIR)$(PREFIX)/share/cockpit/$(PACKAGE)
DEVEL_DIR = $(HOME)/.local/share/cockpit/$(PACKAGE)
SOURCES := $(shell find src po -type f ! -name '*.pot' 2>/dev/null) manifest.json build.js package.json
# Cockpit's own pkg/lib, from Debian's cockpit source package at a pinned version
COCKPIT_LIB = build/cockpit-src/.version

all: dist/index.js

# npm ci only when the lock file changed since the last install
node_modules/.installed: package.json package-lock.json
	@tools/need.sh build
	npm ci --no-audit --no-fund
	@touch $@

$(COCKPIT_LIB): tools/cockpit-lib.sh
	tools/cockpit-lib.sh

dist/index.js: node_modules/.installed $(COCKPIT_LIB) $(SOURCES)
	node build.js

install: all
	mkdir -p $(INSTALL_DIR)
	cp -r dist/. $(INSTALL_DIR)/

devel-install: all
	mkdir -p $(dir $(DEVEL_DIR))
	ln -sfn $(CURDIR)/dist $(DEVEL_DIR)

devel-uninstall:
	rm -f $(DEVEL_DIR)

dist: all
	tar --transform 's,^,cockpit-$(PACKAGE)-$(VERSION)/,' -cJf cockpit-$(PACKAGE)-$(VERSION).tar.xz \
		--exclude=node_modules --exclude=dist --exclude-vcs \
		README.md LICENSE Makefile manifest.json package.json package-lock.json tsconfig.json eslint.config.js build.js *.d.ts \
		src po test tools docs build/cockpit-src
	tar --transform 's,^dist,cockpit-$(PACKAGE)-$(VERSION)/dist,' -rf cockpit-$(PACKAGE)-$(VERSION).tar.xz dist 2>/dev/null || true
	@echo cockpit-$(PACKAGE)-$(VERSION).tar.xz

typecheck: node_modules/.installed $(COCKPIT_LIB)
	npx tsc --noEmit

# The catalogue template, from every _()/gettext/ngettext/N_/NC_ of src/ (see tools/po-extract.ts)
po/$(PACKAGE).pot: node_modules/.installed $(filter src/%,$(SOURCES))
	node --import tsx tools/po-extract.ts $@

# Brings every po/<lang>.po in line with the sources (new msgids, references, fuzzy for changed ones)
update-po: po/$(PACKAGE).pot
	@tools/need.sh po
	for po in po/*.po; do msgmerge --quiet --update --backup=none --no-wrap "$$po" $<; done

# eslint (eslint.config.js): react-hooks rules as errors, 140 columns
lint: node_modules/.installed $(COCKPIT_LIB)
	npx eslint .

check-unit: node_modules/.installed $(COCKPIT_LIB)
	node --import tsx --test test/unit/*.test.ts

check-browser: all
	@tools/need.sh check
	node --import tsx --test --test-concurrency=1 test/browser/main.test.ts

check: all lint typecheck check-unit check-browser

demo: all
	@tools/need.sh demo
	node --import tsx test/vm/demo.ts dist

# Benchmark at 64, 512 and 4,096 PCI functions (issue 7): prints the table and
# PASS/FAIL per budget, writes docs/PERFORMANCE.md. Boots no VM.
bench: all
	@tools/need.sh bench
	node --import tsx test/bench/bench.ts

clean:
	rm -rf dist test-results cockpit-$(PACKAGE)-*.tar.xz

.PHONY: all install devel-install devel-uninstall dist update-po lint typecheck check-unit check-browser check demo bench clean

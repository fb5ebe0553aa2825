# cockpit-passthrough
PACKAGE = passthrough
# From package.json without node: distribution build hosts (make install from
# the release tarball) have no node.
VERSION := $(shell sed -n 's/^  "version": "\(.*\)",$$/\1/p' package.json)
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_DIR = $(DESTDIR)$(PREFIX)/share/cockpit/$(PACKAGE)
DEVEL_DIR = $(HOME)/.local/share/cockpit/$(PACKAGE)
# The test matrix (test/vm/hosts.ts): `make check HOSTS=aarch64` runs one host.
HOSTS ?= x86_64,x86_64-backports,aarch64
HOST ?= x86_64
comma := ,
SOURCES := $(shell find src po -type f ! -name '*.pot' 2>/dev/null) manifest.json build.js package.json
# Cockpit's own pkg/lib, from Debian's cockpit source package at a pinned version
COCKPIT_LIB = pkg/.cockpit-lib-version
METAINFO = org.cockpit_project.$(PACKAGE).metainfo.xml
METAINFO_DIR = $(DESTDIR)$(PREFIX)/share/metainfo
TARFILE = cockpit-$(PACKAGE)-$(VERSION).tar.xz
# The Debian version (with its revision) is the first line of debian/changelog.
DEB_VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog 2>/dev/null)
DEBFILE = cockpit-$(PACKAGE)_$(DEB_VERSION)_all.deb
RPM_RELEASE := $(shell sed -n 's/^Release:[[:space:]]*\([0-9]*\).*/\1/p' cockpit-$(PACKAGE).spec 2>/dev/null)
RPMFILE = cockpit-$(PACKAGE)-$(VERSION)-$(RPM_RELEASE).noarch.rpm

# A release tarball (make dist) holds dist/ built and no node_modules: there
# nothing is built (distribution build hosts have no npm registry), `make
# install` installs dist/ as it is. That is how the .deb and .rpm are built.
PREBUILT := $(if $(wildcard node_modules),,$(wildcard dist/index.js))

ifeq ($(PREBUILT),)
all: dist/index.js
else
all:
	@echo "dist/ is prebuilt (release tarball without node_modules): nothing to build"
endif

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
	mkdir -p $(INSTALL_DIR) $(METAINFO_DIR)
	cp -r dist/. $(INSTALL_DIR)/
	cp $(METAINFO) $(METAINFO_DIR)/

devel-install: all
	mkdir -p $(dir $(DEVEL_DIR))
	ln -sfn $(CURDIR)/dist $(DEVEL_DIR)

devel-uninstall:
	rm -f $(DEVEL_DIR)

# The source tarball, with the built dist/ in it (cockpit-machines does the
# same): distributions build the packages from it without npm.
dist: all
	rm -f $(TARFILE)
	$(MAKE) --no-print-directory $(TARFILE)

$(TARFILE): $(if $(PREBUILT),,dist/index.js) $(METAINFO) cockpit-$(PACKAGE).spec LICENSE README.md
	tar --transform 's,^,cockpit-$(PACKAGE)-$(VERSION)/,' --sort=name --owner=0 --group=0 --numeric-owner \
		-cJf $@.tmp --exclude=node_modules --exclude-vcs \
		README.md LICENSE Makefile manifest.json package.json package-lock.json tsconfig.json eslint.config.js build.js *.d.ts \
		$(METAINFO) cockpit-$(PACKAGE).spec src po test tools docs dist pkg
	mv $@.tmp $@

# rpmbuild from Debian's rpm package, from the tarball. --nodeps: this rpm
# database is empty (Debian's packages are in dpkg's), so BuildRequires cannot
# be checked here; tools/need.sh installs their Debian equivalents instead.
rpm: $(RPMFILE)
$(RPMFILE): $(TARFILE)
	@tools/need.sh package
	rm -rf build/rpm
	mkdir -p build/rpm/SOURCES
	cp $(TARFILE) build/rpm/SOURCES/
	rpmbuild -ba --nodeps --define '_topdir $(CURDIR)/build/rpm' cockpit-$(PACKAGE).spec
	cp build/rpm/RPMS/noarch/$@ build/rpm/SRPMS/*.src.rpm .

# dpkg-buildpackage on the tarball (as the .orig.tar.xz) plus debian/.
deb: $(DEBFILE)
$(DEBFILE): $(TARFILE) $(shell find debian -type f 2>/dev/null)
	@tools/need.sh package
	rm -rf build/deb
	mkdir -p build/deb
	cp $(TARFILE) build/deb/cockpit-$(PACKAGE)_$(VERSION).orig.tar.xz
	tar -C build/deb -xf $(TARFILE)
	cp -r debian build/deb/cockpit-$(PACKAGE)-$(VERSION)/
	cd build/deb/cockpit-$(PACKAGE)-$(VERSION) && dpkg-buildpackage -us -uc
	cp build/deb/$@ .

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

# Builds both packages from a fresh copy of the tree and lints them.
check-packaging: node_modules/.installed
	@tools/need.sh package
	node --import tsx --test test/packaging/*.test.ts

# One process and one VM boot per host; every host runs even if one fails.
check-browser: all
	@tools/need.sh check $(HOSTS)
	$(MAKE) deb
	@fail=; for h in $(subst $(comma), ,$(HOSTS)); do \
		echo "== browser suites on the $$h host"; start=$$(date +%s); \
		PASSTHROUGH_HOST=$$h node --import tsx --test --test-concurrency=1 test/browser/main.test.ts || fail="$$fail $$h"; \
		echo "== $$h host: $$(( $$(date +%s) - start )) s"; \
	done; [ -z "$$fail" ] || { echo "browser suites failed on:$$fail"; exit 1; }

check: all lint typecheck check-unit check-packaging check-browser

demo: all
	@tools/need.sh demo $(HOST)
	PASSTHROUGH_HOST=$(HOST) node --import tsx test/vm/demo.ts dist

# Benchmark at 64, 512 and 4,096 PCI functions (issue 7): prints the table and
# PASS/FAIL per budget, writes docs/PERFORMANCE.md. Boots no VM.
bench: all
	@tools/need.sh bench
	node --import tsx test/bench/bench.ts

clean:
	rm -rf dist test-results build pkg/lib pkg/cockpit-package.json $(COCKPIT_LIB) cockpit-$(PACKAGE)-*.tar.xz cockpit-$(PACKAGE)*.rpm cockpit-$(PACKAGE)_*

.PHONY: all install devel-install devel-uninstall dist rpm deb update-po lint typecheck check-unit check-packaging check-browser check demo bench clean

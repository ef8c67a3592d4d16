"""The pinned gettext domains and their coarse software classes (the ``msgdomain`` labels).

Which ``.mo`` catalogs a machine has depends on its installed Debian packages, so the dataset
pins its domain list here: a build reads only these domains, records which are present, and for
a missing one names the Debian package that ships it (found with ``dpkg -S`` on Debian 12).

Coarse classes (the ``msgdomain`` label set, in this fixed order):

==================== ==========================================================================
class                catalogs
==================== ==========================================================================
shell_utilities      GNU command-line tools: coreutils, findutils, grep, sed, tar, diffutils,
                     bash, psmisc, xz, wget (+ its gnulib), man-db (+ gnulib), libidn2 (idn2)
version_control      git
package_management   apt, libapt-pkg, python-apt, dpkg, dpkg-dev, software-properties,
                     PackageKit, AppStream
security             gnupg2, gnutls, MIT Kerberos, Linux-PAM, shadow (login, passwd), polkit
desktop              gtk 2 (+ widget properties), glib, gdk-pixbuf, at-spi2, GStreamer,
                     gsettings-desktop-schemas
database             PostgreSQL: server, psql, libpq, PL/pgSQL, pg_* client and server tools
toolchain            binutils (as, ld, gold, bfd, opcodes, gprof, binutils), elfutils, make,
                     gettext tools and runtime
system               systemd, procps-ng, net-tools, avahi, glibc (libc), adduser
==================== ==========================================================================

Excluded, because they hold data rather than program messages: the iso-codes catalogs
(``iso_639*``, ``iso_3166*``, ``iso_4217``, ``iso_15924``: language/country/currency names),
``xkeyboard-config`` (keyboard layout names), ``shared-mime-info`` (file-type names) and
``xdg-user-dirs`` (folder names). They are listed (``coarse_class=None``) so the manifest can say
they were seen and deliberately left out.

PostgreSQL catalogs carry the server's major version (``psql-15``); they are pinned by stem and
match ``<stem>-<major>`` (the highest major wins if several are installed). Package hints for
them name the version-free Debian metapackage (``postgresql``, ``postgresql-client``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLASSES: tuple[str, ...] = (
    "shell_utilities",
    "version_control",
    "package_management",
    "security",
    "desktop",
    "database",
    "toolchain",
    "system",
)


@dataclass(frozen=True)
class PinnedDomain:
    """One pinned gettext domain."""

    name: str  # catalog file stem (PostgreSQL: stem without "-<major>")
    package: str  # Debian package that ships it
    coarse_class: str | None  # None = excluded data catalog
    versioned: bool = False  # PostgreSQL-style "<name>-<major>"

    def matches(self, catalog: str) -> bool:
        if self.versioned:
            return re.fullmatch(re.escape(self.name) + r"-\d+", catalog) is not None
        return catalog == self.name


def _pins(coarse_class: str | None, rows: str, *, versioned: bool = False) -> list[PinnedDomain]:
    pins = []
    for row in rows.strip().splitlines():
        name, package = row.split()
        pins.append(PinnedDomain(name, package, coarse_class, versioned))
    return pins


PINNED_DOMAINS: tuple[PinnedDomain, ...] = tuple(
    _pins(
        "shell_utilities",
        """
        coreutils coreutils
        findutils findutils
        grep grep
        sed sed
        tar tar
        diffutils diffutils
        bash bash
        psmisc psmisc
        xz xz-utils
        wget wget
        wget-gnulib wget
        man-db man-db
        man-db-gnulib man-db
        libidn2 libidn2-0
        """,
    )
    + _pins("version_control", "git git")
    + _pins(
        "package_management",
        """
        apt apt
        libapt-pkg6.0 libapt-pkg6.0
        python-apt python-apt-common
        dpkg dpkg
        dpkg-dev libdpkg-perl
        software-properties software-properties-common
        PackageKit packagekit
        appstream appstream
        """,
    )
    + _pins(
        "security",
        """
        gnupg2 gnupg-l10n
        gnutls30 libgnutls30
        mit-krb5 krb5-locales
        Linux-PAM libpam-runtime
        shadow login
        polkit-1 polkitd
        """,
    )
    + _pins(
        "desktop",
        """
        gtk20 libgtk2.0-common
        gtk20-properties libgtk2.0-common
        glib20 libglib2.0-data
        gdk-pixbuf libgdk-pixbuf2.0-common
        at-spi2-core at-spi2-common
        gstreamer-1.0 libgstreamer1.0-0
        gsettings-desktop-schemas gsettings-desktop-schemas
        """,
    )
    + _pins(
        "database",
        """
        postgres postgresql
        psql postgresql-client
        libpq5 libpq5
        plpgsql postgresql
        initdb postgresql
        pgscripts postgresql-client
        pg_dump postgresql-client
        pg_basebackup postgresql-client
        pg_amcheck postgresql-client
        pg_config postgresql-client
        pg_verifybackup postgresql-client
        pg_ctl postgresql
        pg_upgrade postgresql
        pg_rewind postgresql
        pg_resetwal postgresql
        pg_controldata postgresql
        pg_waldump postgresql
        pg_checksums postgresql
        pg_archivecleanup postgresql
        pg_test_fsync postgresql
        pg_test_timing postgresql
        """,
        versioned=True,
    )
    + _pins(
        "toolchain",
        """
        binutils binutils-common
        bfd binutils-common
        gas binutils-common
        ld binutils-common
        gold binutils-common
        opcodes binutils-common
        gprof binutils-common
        elfutils libelf1
        make make
        gettext-tools gettext
        gettext-runtime gettext-base
        """,
    )
    + _pins(
        "system",
        """
        systemd systemd
        procps-ng procps
        net-tools net-tools
        avahi libavahi-common-data
        libc libc-l10n
        adduser adduser
        """,
    )
    + _pins(
        None,
        """
        iso_639 iso-codes
        iso_639-2 iso-codes
        iso_639-3 iso-codes
        iso_639_3 iso-codes
        iso_639-5 iso-codes
        iso_639_5 iso-codes
        iso_3166 iso-codes
        iso_3166-1 iso-codes
        iso_3166-2 iso-codes
        iso_3166_2 iso-codes
        iso_3166-3 iso-codes
        iso_4217 iso-codes
        iso_15924 iso-codes
        xkeyboard-config xkb-data
        shared-mime-info shared-mime-info
        xdg-user-dirs xdg-user-dirs
        """,
    )
)

DOMAIN_CLASSES: dict[str, str] = {pin.name: pin.coarse_class for pin in PINNED_DOMAINS if pin.coarse_class}


def pinned_domain(catalog: str) -> PinnedDomain | None:
    """The pinned domain a catalog file stem belongs to (``psql-15`` -> ``psql``), or None."""
    return next((pin for pin in PINNED_DOMAINS if pin.matches(catalog)), None)


def catalog_version(catalog: str) -> int:
    """The PostgreSQL major of a versioned catalog stem (0 for unversioned ones)."""
    match = re.search(r"-(\d+)$", catalog)
    return int(match.group(1)) if match else 0

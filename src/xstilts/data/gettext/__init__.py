"""Gettext catalogs (``/usr/share/locale``) as versioned task datasets: msgdomain, msgretrieval, msgkind.

Pipeline: :mod:`.catalogs` reads ``.mo`` files, :mod:`.domains` pins the domains and their
coarse classes, :mod:`.locales` picks one locale per language, :mod:`.cleaning` normalises and
filters messages, :mod:`.corpus` deduplicates them, :mod:`.kinds` labels message kinds,
:mod:`.splits` assigns the shared TEST/DEV/TRAIN pools, :mod:`.datasets` makes each task's rows
and :mod:`.build` writes them with a manifest.
"""

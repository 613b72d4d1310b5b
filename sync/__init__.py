"""Doorstep's sync engine: offline edits reconciled exactly once, nothing ever lost.

Pure Python and SQLAlchemy; it never imports Flask (server/sync_api exposes it over HTTP).

Modules:
    positions   commit-ordered change-feed positions and technician scope intervals
    mutations   the registry of named, versioned mutations and how each applies
    push        applying a device's batch exactly once
    pull        the change feed of a technician's scope
    models      the engine's own tables
"""

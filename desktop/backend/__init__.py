"""The mock referral server: API contract, authoritative service, store, simulator and seed.

Knows nothing of the client: never imports desktop.storage, desktop.controller or desktop.ui.
"""

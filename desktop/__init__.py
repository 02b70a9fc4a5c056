"""Referral Resets desktop: settings panel, sync controller and embedded mock backend."""

__version__ = "0.1.0"

"""Widgets only. Talks to the controller, never to the backend or the storage."""

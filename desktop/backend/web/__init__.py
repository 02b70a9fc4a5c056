"""The backend's HTTP side: the JSON API and the invited peer's join page (DESIGN R12)."""

"""Entry script PyInstaller freezes: the same `desktop.app:main` as the referral-desktop command."""

from desktop.app import main

if __name__ == "__main__":
    raise SystemExit(main())

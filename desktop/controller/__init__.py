"""The QObject between the UI and everything else; emits immutable `AppState` snapshots."""

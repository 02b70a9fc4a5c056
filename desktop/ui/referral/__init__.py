"""The invitation module: summary, invite dialog and the invitations list."""

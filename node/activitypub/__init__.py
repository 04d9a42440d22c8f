"""ActivityPub: turns domain changes into signed activities and incoming activities into domain calls."""

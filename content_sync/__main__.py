from content_sync.cli import console

console()

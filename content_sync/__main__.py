from content_sync.cli import main

raise SystemExit(main())

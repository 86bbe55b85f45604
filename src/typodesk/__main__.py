from typodesk.cli import main

raise SystemExit(main())

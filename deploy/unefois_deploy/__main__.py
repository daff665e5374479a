from unefois_deploy.cli import main

raise SystemExit(main())

"""``python -m pipeline.sources.demo [OUT_DIR]`` writes the demo data."""

from pipeline.sources.demo import main

raise SystemExit(main())

import sys

from audits.lighthouse import main

sys.exit(main())

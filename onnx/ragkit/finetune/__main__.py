from ..overrides import parse_overrides
from .command import DEFAULTS, main

if __name__ == "__main__":
    main(parse_overrides(DEFAULTS))

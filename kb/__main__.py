"""python -m kb train: the commands that belong to no single stage."""

import sys


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "train":
        print("usage: python -m kb train [--help]", file=sys.stderr)
        return 2
    from kb.train.run import main as train

    return train(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

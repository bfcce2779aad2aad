"""``python -m trygghet`` is the same as the ``trygghet`` command."""

from trygghet.cli import main

if __name__ == "__main__":
    main()

"""The one test harness: git, GnuPG homes, and the command line, each in one place.

- `git.py`: `git(cwd, *args)` runs the real git with a fixed identity.
- `gnupg.py`: `gnupg_home()` makes a GnuPG home that is always stopped and removed;
  `sweep_run_folder()` is the catch-all the session runs at its end.
- `cli.py`: `run_cli(*argv)` calls `main(argv)` in-process, capturing stdout, stderr and the
  exit code; `run_installed(*argv)` runs the installed `signoff` command in a subprocess.
"""

"""`build.py serve`: build in memory, serve on this machine, rebuild and reload on every save.

Built like MkDocs' livereload server (the standard library's ThreadingHTTPServer and
watchdog), not on the `livereload` package: its tornado loop runs the builds, so requests
wait behind them; it polls for changes every 0.8 s; and it drops a reload that comes less
than 3 s after the previous one (README, "Previewing", has the measurements).

One module a job:

- watch.py: the watcher, and the debouncer that groups changes by kind until the saves stop;
- builder.py: the pipeline again on every change, with a memo of what did not change, into a
  `Snapshot` of the site that renders pages when they are asked for; a save of claim files
  shows on their pages ahead of the build;
- hub.py: the state the server shows, numbered by build (the epoch), and the requests waiting
  for a page to change;
- app.py: the HTTP answers, as a function of a request (testable without a socket), and the
  socket server that serves them;
- overlay.py and assets/: what the browser is shown about errors (the overlay on the last good
  pages, the error page), the reload script and its style sheet;
- server.py: the parts wired together, the console, and the `serve` command.

While the content has errors, pages are the last good ones with an overlay listing every
error (file:line:col, message, hint, the line itself); the server never stops for bad
content, and prints each rebuild's time and problems.
"""
from .server import PreviewServer, serve

__all__ = ["PreviewServer", "serve"]

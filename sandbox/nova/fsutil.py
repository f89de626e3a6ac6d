"""File writing shared by sandbox.py and keystone_sandbox.py (stdlib only)."""

import os
import tempfile


def write_atomic(path, text, mode=0o644):
    """Write `text` to a temporary file beside `path`, flush it, then rename it over `path`:
    a reader (start.sh, tapedeck) never sees half a provider file or clouds.yaml."""
    path = os.path.abspath(path)
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(path) + '.',
                               dir=os.path.dirname(path))
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise

#!/usr/bin/env python3
"""Serve the real Keystone 30.0.0 (Identity v3) on a loopback port for the
tapedeck Nova sandbox (sandbox/nova/start.sh FILE --keystone).

Real: the whole Keystone public WSGI app (Flask), sqlite database, fernet
tokens, application credentials, the default policy and roles.  Test-speed
settings: an in-process dogpile cache instead of memcached, bcrypt with 4
rounds, served by werkzeug's threaded development server.

Steps, in this order (all in this one process):
 1. bind 127.0.0.1:PORT (0 = a free port) and write STATE/keystone.json
    ({"pid", "port", "auth_url", "service_user"}: Nova's service user and
    its password, chosen now), so the Nova process can be configured with
    Keystone's URL before Keystone is ready;
 2. write STATE/keystone.conf, then what `keystone-manage db_sync`,
    `fernet_setup`, `credential_setup` and `bootstrap` do (same library
    calls, in-process): admin user/project/role, roles member/reader/
    manager/service, region RegionOne, identity endpoints at
    http://127.0.0.1:PORT/v3;
 3. serve;
 4. wait for STATE/nova.json ({"url", "pid"}, written by sandbox.py once it
    has bound its port) and seed THROUGH THE HTTP API: service `compute`
    with public/internal/admin endpoints = Nova's URL, project+user `demo`
    (role member), project `service` + user `nova` (roles service, admin;
    for Nova's auth_token middleware), an application credential for demo
    (created with demo's own token);
 5. write STATE/ready.json (0600; passwords, ids, the application
    credential), serve until SIGTERM/SIGINT.  Exits by itself when the Nova
    process named in nova.json goes away.

Usage:
    python keystone_sandbox.py --state DIR [--host 127.0.0.1] [--port 0]
"""

import argparse
import ipaddress
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
from fsutil import write_atomic

DEMO_PROJECT = 'demo'
DEMO_USER = 'demo'
SERVICE_PROJECT = 'service'
NOVA_USER = 'nova'
ADMIN_USER = 'admin'
ADMIN_PROJECT = 'admin'
REGION = 'RegionOne'
APPCRED_NAME = 'tapedeck'
NOVA_WAIT = 90  # seconds to wait for nova.json


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--host', default='127.0.0.1')
    p.add_argument('--port', type=int, default=0)
    p.add_argument('--state', required=True, metavar='DIR',
                   help='state directory (config, sqlite db, keys, '
                        'keystone.json, ready.json); created if missing')
    a = p.parse_args(argv)
    if not 0 <= a.port <= 65535:
        p.error('--port must be in 0..65535')
    try:
        ip = ipaddress.ip_address('127.0.0.1' if a.host == 'localhost'
                                  else a.host)
    except ValueError:
        ip = None
    if ip is None or not ip.is_loopback or ip.version != 4:
        p.error('--host must be an IPv4 loopback address')
    return a


def log(msg):
    sys.stderr.write('keystone_sandbox.py: %s\n' % msg)
    sys.stderr.flush()


args = parse_args(sys.argv[1:])
# keystone.server.configure() parses sys.argv: leave it nothing to parse.
sys.argv = sys.argv[:1]
STATE = os.path.abspath(args.state)
os.makedirs(STATE, mode=0o700, exist_ok=True)

# 1. Bind first: --port 0 picks a free port without races, and Nova can be
# configured with our URL while we are still setting up.
_listen = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
_listen.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    _listen.bind((args.host if args.host != 'localhost' else '127.0.0.1',
                  args.port))
except OSError as e:
    log('cannot bind %s:%d: %s' % (args.host, args.port, e))
    sys.exit(2)
_listen.listen(128)
HOST, PORT = _listen.getsockname()[:2]
BASE = 'http://%s:%d' % (HOST, PORT)
AUTH_URL = BASE + '/v3'
# Nova's service user password is known from the start, so Nova can be
# configured (auth_token) while Keystone is still being set up.
NOVA_PASSWORD = secrets.token_urlsafe(18)
write_atomic(os.path.join(STATE, 'keystone.json'),
             json.dumps({'pid': os.getpid(), 'port': PORT,
                         'auth_url': AUTH_URL,
                         'service_user': {
                             'username': NOVA_USER,
                             'password': NOVA_PASSWORD,
                             'project_name': SERVICE_PROJECT,
                             'user_domain_name': 'Default',
                             'project_domain_name': 'Default'}}) + '\n',
             0o600)

import http.client  # noqa: E402

CONF_TEMPLATE = """\
# Written by tapedeck's sandbox/nova/keystone_sandbox.py (test settings).
[DEFAULT]
debug = false
use_stderr = true

[database]
connection = sqlite:///{state}/keystone.db
# no fsync per commit (the state is thrown away on every start anyway)
sqlite_synchronous = false

[token]
provider = fernet

[fernet_tokens]
key_repository = {state}/fernet-keys

[fernet_receipts]
key_repository = {state}/fernet-keys

[credential]
key_repository = {state}/credential-keys

[cache]
enabled = true
backend = dogpile.cache.memory

[identity]
# bcrypt cost 2^4 instead of 2^12: password checks in ~1 ms (test speed).
password_hash_rounds = 4
# bcrypt's own limit; the default (4096) logs a truncation warning per hash.
max_password_length = 72
"""


def setup_keystone(admin_password):
    """db_sync, fernet_setup, credential_setup, bootstrap; returns the
    public WSGI app.  Same library calls as keystone-manage and
    keystone.server.flask.core.initialize_application, in one process."""
    conf_path = os.path.join(STATE, 'keystone.conf')
    write_atomic(conf_path, CONF_TEMPLATE.format(state=STATE), 0o600)
    phases = []
    t = [time.monotonic()]

    def phase(name):
        now = time.monotonic()
        phases.append('%s %.1fs' % (name, now - t[0]))
        t[0] = now

    import keystone.server
    from keystone.common import fernet_utils
    from keystone.common.sql import upgrades
    from keystone.credential.providers import fernet as credential_fernet
    import keystone.conf
    from keystone.server.flask import application
    from keystone.server.flask import core
    import keystone.cmd.bootstrap as ks_bootstrap
    CONF = keystone.conf.CONF
    phase('imports')

    keystone.server.configure(config_files=[conf_path])
    upgrades.offline_sync_database_to_version()
    phase('db_sync')
    for group, repo, max_keys in (
            ('fernet_tokens', CONF.fernet_tokens.key_repository,
             CONF.fernet_tokens.max_active_keys),
            ('credential', CONF.credential.key_repository,
             credential_fernet.MAX_ACTIVE_KEYS)):
        futils = fernet_utils.FernetUtils(repo, max_keys, group)
        futils.create_key_directory(None, None)
        if futils.validate_key_repository(requires_write=True):
            futils.initialize_key_repository(None, None)
    phase('keys')

    # Backends may be loaded once per process (the provider registry locks):
    # load them with the app, then let the Bootstrapper reuse them.
    _drivers, app = keystone.server.setup_backends(
        startup_application_fn=lambda: application.application_factory(
            'public'))
    real_load = ks_bootstrap.backends.load_backends
    ks_bootstrap.backends.load_backends = lambda: None
    try:
        b = ks_bootstrap.Bootstrapper()
    finally:
        ks_bootstrap.backends.load_backends = real_load
    phase('backends+app')
    b.admin_username = ADMIN_USER
    b.admin_password = admin_password
    b.project_name = ADMIN_PROJECT
    b.admin_role_name = 'admin'
    b.service_name = 'keystone'
    b.public_url = b.internal_url = b.admin_url = AUTH_URL
    b.region_id = REGION
    b.immutable_roles = True
    b.bootstrap()
    app = core.setup_app_middleware(app)
    phase('bootstrap')
    log('setup: ' + ', '.join(phases))
    return app


# --------------------------------------------------------------------------
# A tiny Identity v3 client (stdlib) used for seeding through the real API.
# --------------------------------------------------------------------------

class ApiError(Exception):
    pass


def call(method, path, body=None, token=None, expect=(200, 201, 204)):
    c = http.client.HTTPConnection(HOST, PORT, timeout=30)
    try:
        headers = {'Accept': 'application/json'}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers['Content-Type'] = 'application/json'
        if token:
            headers['X-Auth-Token'] = token
        c.request(method, '/v3' + path, body=data, headers=headers)
        r = c.getresponse()
        raw = r.read()
        if r.status not in expect:
            raise ApiError('%s /v3%s -> %d %s' % (method, path, r.status,
                                                  raw[:300]))
        return r, (json.loads(raw) if raw else None)
    finally:
        c.close()


def password_token(user, password, project):
    r, body = call('POST', '/auth/tokens', {'auth': {
        'identity': {'methods': ['password'], 'password': {'user': {
            'name': user, 'password': password,
            'domain': {'name': 'Default'}}}},
        'scope': {'project': {'name': project,
                              'domain': {'name': 'Default'}}}}},
        expect=(201,))
    return r.getheader('X-Subject-Token'), body['token']


def seed(admin_password, nova_url):
    admin, _ = password_token(ADMIN_USER, admin_password, ADMIN_PROJECT)
    roles = {}
    for name in ('admin', 'member', 'reader', 'service'):
        _, b = call('GET', '/roles?name=' + name, token=admin)
        roles[name] = b['roles'][0]['id']

    _, b = call('POST', '/services', {'service': {
        'type': 'compute', 'name': 'nova', 'enabled': True,
        'description': 'tapedeck Nova sandbox'}}, token=admin)
    compute_id = b['service']['id']
    for iface in ('public', 'internal', 'admin'):
        call('POST', '/endpoints', {'endpoint': {
            'service_id': compute_id, 'interface': iface, 'url': nova_url,
            'region_id': REGION, 'enabled': True}}, token=admin)

    def project(name, desc):
        _, b = call('POST', '/projects', {'project': {
            'name': name, 'domain_id': 'default', 'description': desc,
            'enabled': True}}, token=admin)
        return b['project']['id']

    def user(name, password, project_id):
        _, b = call('POST', '/users', {'user': {
            'name': name, 'password': password, 'domain_id': 'default',
            'default_project_id': project_id, 'enabled': True}},
            token=admin)
        return b['user']['id']

    def grant(project_id, user_id, role):
        call('PUT', '/projects/%s/users/%s/roles/%s'
             % (project_id, user_id, roles[role]), token=admin)

    demo_password = secrets.token_urlsafe(18)
    nova_password = NOVA_PASSWORD
    demo_project = project(DEMO_PROJECT, 'tapedeck: the user identity')
    demo_user = user(DEMO_USER, demo_password, demo_project)
    grant(demo_project, demo_user, 'member')
    service_project = project(SERVICE_PROJECT, 'service users')
    nova_user = user(NOVA_USER, nova_password, service_project)
    grant(service_project, nova_user, 'service')
    grant(service_project, nova_user, 'admin')

    # Only the owner may create an application credential: use demo's token.
    demo_token, tok = password_token(DEMO_USER, demo_password, DEMO_PROJECT)
    if not any(s.get('type') == 'compute' for s in tok.get('catalog', [])):
        raise ApiError('demo token catalog has no compute service')
    _, b = call('POST', '/users/%s/application_credentials' % demo_user,
                {'application_credential': {
                    'name': APPCRED_NAME,
                    'description': 'tapedeck sandbox application credential'
                }}, token=demo_token)
    appcred = b['application_credential']
    # Check it works before anyone relies on it.
    call('POST', '/auth/tokens', {'auth': {'identity': {
        'methods': ['application_credential'],
        'application_credential': {'id': appcred['id'],
                                   'secret': appcred['secret']}}}},
        expect=(201,))
    _, b = call('GET', '/projects?name=' + ADMIN_PROJECT, token=admin)
    admin_project = b['projects'][0]['id']
    return {
        'auth_url': AUTH_URL,
        'region_name': REGION,
        'compute_url': nova_url,
        'admin': {'username': ADMIN_USER, 'password': admin_password,
                  'project_name': ADMIN_PROJECT,
                  'project_id': admin_project},
        'demo': {'username': DEMO_USER, 'password': demo_password,
                 'user_id': demo_user, 'project_name': DEMO_PROJECT,
                 'project_id': demo_project},
        'nova': {'username': NOVA_USER, 'password': nova_password,
                 'user_id': nova_user, 'project_name': SERVICE_PROJECT,
                 'project_id': service_project},
        'application_credential': {'id': appcred['id'],
                                   'name': appcred['name'],
                                   'secret': appcred['secret']},
    }


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open('/proc/%d/stat' % pid) as f:
            state = f.read().rsplit(')', 1)[1].split()[0]
        return state not in ('Z', 'X')
    except (OSError, IndexError):
        return True


def main():
    t0 = time.monotonic()
    stop = threading.Event()

    def on_signal(signum, frame):
        if stop.is_set():
            os._exit(1)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    admin_password = secrets.token_urlsafe(18)
    app = setup_keystone(admin_password)
    t_setup = time.monotonic() - t0

    from werkzeug import serving
    serving._log_add_style = False  # no ANSI colours in the log file
    server = serving.make_server(HOST, PORT, app, threaded=True,
                                 fd=_listen.fileno())
    th = threading.Thread(target=server.serve_forever, daemon=True)
    th.start()
    status = None
    for _ in range(100):
        try:
            status = call('GET', '', expect=(200,))[0].status
            break
        except (OSError, ApiError):
            time.sleep(0.05)
    if status != 200:
        log('Keystone did not answer GET /v3')
        return 1

    # Nova's URL (the compute endpoint) comes from sandbox.py once it has
    # bound its port.
    nova_file = os.path.join(STATE, 'nova.json')
    deadline = time.monotonic() + NOVA_WAIT
    nova = None
    while nova is None:
        if stop.is_set():
            return 0
        try:
            with open(nova_file) as f:
                nova = json.load(f)
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                log('no %s after %d s; giving up' % (nova_file, NOVA_WAIT))
                return 1
            time.sleep(0.05)
    t1 = time.monotonic()
    info = seed(admin_password, nova['url'])
    info['pid'] = os.getpid()
    write_atomic(os.path.join(STATE, 'ready.json'),
                 json.dumps(info, indent=2) + '\n', 0o600)
    log('Keystone ready at %s (pid %d; setup %.1fs, seeding %.1fs, '
        'total %.1fs)' % (AUTH_URL, os.getpid(), t_setup,
                          time.monotonic() - t1, time.monotonic() - t0))

    # Serve until signalled, or until the Nova process is gone.
    nova_pid = int(nova.get('pid') or 0)
    while not stop.wait(1):
        if nova_pid and not pid_alive(nova_pid):
            log('Nova (pid %d) is gone; stopping' % nova_pid)
            break
    log('stopping')
    server.shutdown()
    server.server_close()
    log('stopped')
    return 0


if __name__ == '__main__':
    try:
        rc = main()
    except BaseException:
        import traceback
        traceback.print_exc()
        rc = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)

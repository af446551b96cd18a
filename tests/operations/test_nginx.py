"""Two app instances sharing one PostgreSQL database and one S3 bucket (on moto's server)
behind the nginx site from deploy/.

nginx runs as a subprocess with the site template rendered for loopback ports and a
self-signed certificate; the test's own main config adds an X-Upstream header naming the
instance that answered, so a test can tell the instances apart.
"""

import asyncio
import gzip
import json
import os
import re
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import expect

from inkwell.app import STATIC_DIR
from tests.conftest import PASSWORD, postgres_database
from tests.operations.test_security_headers import EXPECTED, HSTS
from tests.pictures import decode, image_file, upload
from tests.ports import free_port
from tests.s3 import REGION, new_bucket, use_fake_aws_credentials
from tests.servers import (
    ROOT,
    Process,
    require_binary,
    running,
    server_env,
    wait_until_answering,
)
from tests.web.browser.conftest import PageProblems, chromium, loaded_width, watched_page

TEMPLATE = ROOT / "deploy" / "nginx" / "inkwell.conf.template"
PLACEHOLDER = re.compile(r"\$\{(INKWELL_[A-Z_]+)\}")

FORGOT_PASSWORD_LIMIT = 3

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def render_site(values: dict[str, str]) -> str:
    """Fills the template as envsubst does; every placeholder must have a value."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], TEMPLATE.read_text())


def main_config(prefix: Path, site: Path) -> str:
    user = "user root;" if os.geteuid() == 0 else ""
    temp_paths = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""
{user}
worker_processes 1;
daemon off;
pid {prefix / "nginx.pid"};
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix / "access.log"};
{temp_paths}
    # Test only: which app instance answered a proxied request.
    add_header X-Upstream $upstream_addr always;
    include {site};
}}
"""


@dataclass
class Site:
    http_url: str
    https_url: str
    instances: list[str]
    certificate: Path
    config: Path
    prefix: Path
    nginx: Process
    apps: list[Process]
    # Where the instances store pictures (moto's server) and send browsers for them.
    s3_endpoint: str
    bucket: str

    @property
    def pictures_url(self) -> str:
        return f"{self.s3_endpoint}/{self.bucket}"

    def client(self) -> httpx.AsyncClient:
        context = ssl.create_default_context(cafile=str(self.certificate))
        return httpx.AsyncClient(base_url=self.https_url, verify=context, timeout=120)


def make_certificate(directory: Path) -> tuple[Path, Path]:
    openssl = require_binary("openssl")
    certificate, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            key,
            "-out",
            certificate,
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return certificate, key


@pytest.fixture(scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory, moto_server: str) -> AsyncIterator[Site]:
    nginx = require_binary("nginx")
    prefix = tmp_path_factory.mktemp("nginx")
    certificate, key = make_certificate(prefix)
    media = prefix / "media"
    media.mkdir()
    app_ports = [free_port(), free_port()]
    http_port, https_port = free_port(), free_port()
    site_config = prefix / "inkwell.conf"
    site_config.write_text(
        render_site(
            {
                "INKWELL_UPSTREAM_SERVERS": " ".join(f"server 127.0.0.1:{p};" for p in app_ports),
                "INKWELL_HTTP_PORT": f"127.0.0.1:{http_port}",
                "INKWELL_HTTPS_PORT": f"127.0.0.1:{https_port}",
                "INKWELL_SERVER_NAME": "127.0.0.1",
                "INKWELL_TLS_CERTIFICATE": str(certificate),
                "INKWELL_TLS_CERTIFICATE_KEY": str(key),
                "INKWELL_STATIC_DIR": str(STATIC_DIR),
                "INKWELL_MEDIA_DIR": str(media),
                "INKWELL_ACCESS_LOG": str(prefix / "access.log"),
            }
        )
    )
    config = prefix / "nginx.conf"
    config.write_text(main_config(prefix, site_config))

    with pytest.MonkeyPatch.context() as patch:
        use_fake_aws_credentials(patch)
        bucket = new_bucket(moto_server)
        # Every instance gets the same S3 settings, as compose.yaml gives its replicas.
        s3_env = server_env(
            STORAGE_BACKEND="s3",
            S3_BUCKET=bucket,
            S3_REGION=REGION,
            S3_ENDPOINT_URL=moto_server,
        )
    async with postgres_database(f"inkwell_nginx_{uuid.uuid4().hex[:12]}") as database_url:
        env = s3_env | {
            "DATABASE_URL": database_url,
            "ENVIRONMENT": "production",
            "PUBLIC_BASE_URL": f"https://127.0.0.1:{https_port}",
            # The widest trust (compose's before), which must still never believe what
            # the client wrote in X-Forwarded-For.
            "TRUSTED_PROXIES": "*",
            # Low, so a few requests show whether a client is counted by its address; no
            # other test here asks for password resets.
            "RATE_LIMIT_FORGOT_PASSWORD_PER_ADDRESS": f"{FORGOT_PASSWORD_LIMIT}/hour",
        }
        async with running("inkwell", "db", "upgrade", env=env) as upgrade:
            assert await upgrade.wait(timeout=120) == 0, upgrade.output
        serve = ("inkwell", "serve", "--host", "127.0.0.1", "--port")
        async with (
            running(*serve, str(app_ports[0]), env=env) as first,
            running(*serve, str(app_ports[1]), env=env) as second,
            running(nginx, "-p", prefix, "-c", config, env=env) as proxy,
        ):
            for instance, port in ((first, app_ports[0]), (second, app_ports[1])):
                await wait_until_answering(instance, f"http://127.0.0.1:{port}/health/ready")
            await wait_until_answering(proxy, f"https://127.0.0.1:{https_port}/health")
            yield Site(
                http_url=f"http://127.0.0.1:{http_port}",
                https_url=f"https://127.0.0.1:{https_port}",
                instances=[f"127.0.0.1:{port}" for port in app_ports],
                certificate=certificate,
                config=config,
                prefix=prefix,
                nginx=proxy,
                apps=[first, second],
                s3_endpoint=moto_server,
                bucket=bucket,
            )


async def test_the_rendered_site_passes_nginx_t(site: Site) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        [require_binary("nginx"), "-t", "-p", str(site.prefix), "-c", str(site.config)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


async def test_plain_http_is_redirected_to_https(site: Site) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{site.http_url}/api/posts?skip=1")
    assert response.status_code == 301
    assert response.headers["location"] == "https://127.0.0.1/api/posts?skip=1"


async def sign_up(client: httpx.AsyncClient, username: str) -> tuple[object, dict[str, str]]:
    """Registers through the site; the new user's id and the headers that authenticate them."""
    user = await client.post(
        "/api/users",
        json={"username": username, "email": f"{username}@example.com", "password": PASSWORD},
    )
    assert user.status_code == 201, user.text
    login = await client.post("/api/users/token", data={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    client.cookies.clear()
    return user.json()["id"], {"Authorization": f"Bearer {login.json()['access_token']}"}


async def get_from_the_other_instance(
    site: Site, client: httpx.AsyncClient, path: str, writer: str
) -> httpx.Response:
    """Round robin sends the next request to the other instance; a few tries allow for a
    retry nginx may have made."""
    assert writer in site.instances
    for _ in range(len(site.instances) * 3):
        read = await client.get(path)
        if read.headers["x-upstream"] != writer:
            break
    assert read.headers["x-upstream"] in set(site.instances) - {writer}
    return read


async def sign_up_with_a_picture(client: httpx.AsyncClient, username: str) -> httpx.Response:
    """A new user who uploaded a picture; the upload's answer is the user, with image_path."""
    user_id, headers = await sign_up(client, username)
    uploaded = await upload(client, user_id, image_file(), headers=headers)
    assert uploaded.status_code == 200, uploaded.text
    return uploaded


async def test_a_post_created_through_one_instance_is_read_through_the_other(site: Site) -> None:
    async with site.client() as client:
        _, headers = await sign_up(client, "nginx")
        created = await client.post(
            "/api/posts", json={"title": "Across", "content": "Written on one."}, headers=headers
        )
        assert created.status_code == 201, created.text
        read = await get_from_the_other_instance(
            site, client, f"/api/posts/{created.json()['id']}", created.headers["x-upstream"]
        )
    assert read.status_code == 200
    assert read.json() == created.json()


async def test_a_picture_uploaded_through_one_instance_is_served_through_the_other(
    site: Site,
) -> None:
    async with site.client() as client:
        uploaded = await sign_up_with_a_picture(client, "portrait")
        image_path = uploaded.json()["image_path"]
        redirect = await get_from_the_other_instance(
            site, client, image_path, uploaded.headers["x-upstream"]
        )
    assert redirect.status_code == 307
    location = redirect.headers["location"]
    assert location == f"{site.pictures_url}/{image_path.removeprefix('/media/')}"
    async with httpx.AsyncClient() as anonymous:
        picture = await anonymous.get(location)
    assert picture.status_code == 200
    assert decode(picture.content).size == (300, 300)


async def test_pages_allow_pictures_from_the_s3_public_origin(site: Site) -> None:
    async with site.client() as client:
        page = await client.get("/")
    assert page.headers["x-upstream"] in site.instances
    images = "img-src 'self' data: blob:"
    expected = EXPECTED["content-security-policy"].replace(images, f"{images} {site.s3_endpoint}")
    assert page.headers["content-security-policy"] == expected


async def test_chromium_shows_a_picture_from_s3_on_a_page_served_through_nginx(
    site: Site,
) -> None:
    async with site.client() as client:
        user = (await sign_up_with_a_picture(client, "face")).json()
    problems = PageProblems()
    async with chromium() as browser:
        context = await browser.new_context(base_url=site.https_url, ignore_https_errors=True)
        page = await watched_page(context, problems)
        await page.goto(f"/users/{user['id']}/posts")
        picture = page.locator("header img.avatar")
        await expect(picture).to_have_attribute("src", user["image_path"])
        width = await loaded_width(picture)
        await context.close()
    assert width == 300
    assert problems.all() == []


async def test_static_files_come_from_nginx_with_the_apps_security_headers(site: Site) -> None:
    async with site.client() as client:
        response = await client.get("/static/img/default-avatar.svg")
    assert response.status_code == 200
    assert "x-upstream" not in response.headers
    assert response.content == (STATIC_DIR / "img" / "default-avatar.svg").read_bytes()
    assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED
    assert response.headers["strict-transport-security"] == HSTS


async def test_a_media_file_on_nginxs_disk_comes_from_nginx_and_any_other_from_the_app(
    site: Site,
) -> None:
    (site.prefix / "media" / "hello.txt").write_text("from disk")
    async with site.client() as client:
        on_disk = await client.get("/media/hello.txt")
        elsewhere = await client.get("/media/profile_pics/not-on-disk.webp")
    assert on_disk.text == "from disk"
    assert "x-upstream" not in on_disk.headers
    # The S3 backend answers with a redirect to the bucket (the local one, 404).
    assert elsewhere.status_code == 307
    assert elsewhere.headers["x-upstream"] in site.instances
    assert elsewhere.headers["location"] == f"{site.pictures_url}/profile_pics/not-on-disk.webp"


async def test_the_app_behind_nginx_knows_the_request_was_https(site: Site) -> None:
    async with site.client() as client:
        response = await client.get("/health")
    assert response.headers["x-upstream"] in site.instances
    assert response.headers["strict-transport-security"] == HSTS
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_json_is_compressed(site: Site) -> None:
    async with site.client() as client:
        response = await client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "paths" in response.json()
    assert len(gzip.compress(response.content)) < len(response.content)


async def test_an_upload_over_the_limit_gets_a_json_413_from_nginx(site: Site) -> None:
    async with site.client() as client:
        response = await client.put(
            "/api/users/1/picture", files={"file": ("big.png", b"\0" * (7 * 1024 * 1024))}
        )
    assert response.status_code == 413
    assert response.json() == {"detail": "The upload is too large", "code": "body_too_large"}
    assert "x-upstream" not in response.headers


async def test_a_client_forging_x_forwarded_for_is_still_rate_limited_by_its_own_address(
    site: Site,
) -> None:
    # Each instance counts alone (no Redis here), so one of them has seen more than its
    # limit once the two have been sent twice the limit and one more.
    attempts = len(site.instances) * FORGOT_PASSWORD_LIMIT + 1
    async with site.client() as client:
        statuses = [
            (
                await client.post(
                    "/api/users/forgot-password",
                    json={"email": f"nobody{attempt}@example.com"},
                    headers={"X-Forwarded-For": f"198.51.100.{attempt}, 10.0.0.{attempt}"},
                )
            ).status_code
            for attempt in range(attempts)
        ]
    assert 429 in statuses
    assert set(statuses) == {202, 429}


async def test_the_access_log_shows_the_clients_address_not_a_forged_one(site: Site) -> None:
    path = f"/forged-{uuid.uuid4().hex}"
    async with site.client() as client:
        response = await client.get(path, headers={"X-Forwarded-For": "198.51.100.77"})
    assert response.status_code == 404
    app = site.apps[site.instances.index(response.headers["x-upstream"])]
    line = json.loads(await app.wait_for_line(lambda line: f'"path":"{path}"' in line))
    assert line["client"] == "127.0.0.1"


async def test_the_access_log_keeps_no_token_a_link_carries(site: Site) -> None:
    """Reset, email-change and unsubscribe links carry their secret in the query: nginx's
    `combined` line (`$request`, and the Referer the link's page sends with its own
    requests) would hand them to whoever reads the logs."""
    secret = uuid.uuid4().hex
    link = f"/reset-password?token={secret}"
    async with site.client() as client:
        opened = await client.get(link)
        await client.get("/health", headers={"Referer": site.https_url + link})
    assert opened.status_code == 200
    log = (site.prefix / "access.log").read_text()
    assert "GET /reset-password " in log
    assert secret not in log

"""Static files at content-hashed addresses, served immutable; the plain addresses still
work, revalidated. JavaScript modules import each other at their hashed addresses, so a
page loads each module once."""

import re
from pathlib import Path

import pytest
from httpx import AsyncClient

from inkwell.caching.static import IMMUTABLE, REVALIDATE, StaticAssets

HASHED = re.compile(r"/static/[\w/.-]+\.[0-9a-f]{12}\.\w+")


async def test_pages_link_static_files_at_hashed_addresses(client: AsyncClient) -> None:
    page = (await client.get("/")).text

    assert re.search(r'href="/static/css/inkwell\.[0-9a-f]{12}\.css"', page)
    assert re.search(r'src="/static/js/load-more\.[0-9a-f]{12}\.js"', page)
    assert 'src="/static/js/load-more.js"' not in page


async def test_a_hashed_address_is_immutable(client: AsyncClient) -> None:
    page = (await client.get("/")).text
    addresses = set(HASHED.findall(page))
    assert addresses

    for address in addresses:
        answer = await client.get(address)
        assert answer.status_code == 200, address
        assert answer.headers["cache-control"] == IMMUTABLE


async def test_the_plain_address_still_works_and_is_revalidated(client: AsyncClient) -> None:
    first = await client.get("/static/css/inkwell.css")
    again = await client.get(
        "/static/css/inkwell.css", headers={"If-None-Match": first.headers["etag"]}
    )

    assert (first.status_code, first.headers["cache-control"]) == (200, REVALIDATE)
    assert again.status_code == 304


async def test_a_hash_that_is_not_the_file_s_is_a_404(client: AsyncClient) -> None:
    assert (await client.get("/static/css/inkwell.000000000000.css")).status_code == 404


async def test_a_hashed_module_imports_the_modules_the_page_loads(client: AsyncClient) -> None:
    page = (await client.get("/")).text
    load_more = re.search(r'src="(/static/js/load-more\.[0-9a-f]{12}\.js)"', page)
    conversation = re.search(r'src="/static/js/(conversation\.[0-9a-f]{12}\.js)"', page)
    assert load_more
    assert conversation

    module = await client.get(load_more[1])

    assert module.headers["content-type"].startswith("text/javascript")
    assert f'from "./{conversation[1]}"' in module.text
    assert 'from "./conversation.js"' not in module.text


async def test_a_hashed_module_answers_304_to_a_reader_that_has_it(client: AsyncClient) -> None:
    page = (await client.get("/")).text
    module = re.search(r'src="(/static/js/load-more\.[0-9a-f]{12}\.js)"', page)
    assert module
    first = await client.get(module[1])

    again = await client.get(module[1], headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304


def _write(directory: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)


def test_a_change_to_a_file_changes_its_address_and_its_importers(tmp_path: Path) -> None:
    _write(tmp_path, {"js/api.js": "export const a = 1;", "js/site.js": 'import "./api.js";'})
    before = StaticAssets.scan(tmp_path)
    _write(tmp_path, {"js/api.js": "export const a = 2;"})
    after = StaticAssets.scan(tmp_path)

    assert before.url("js/api.js") != after.url("js/api.js")
    assert before.url("js/site.js") != after.url("js/site.js")


def test_without_hashing_the_plain_addresses_are_linked(tmp_path: Path) -> None:
    _write(tmp_path, {"css/a.css": "body {}"})

    assert StaticAssets.scan(tmp_path, hashed=False).url("css/a.css") == "/static/css/a.css"


def test_linking_a_file_that_does_not_exist_fails(tmp_path: Path) -> None:
    with pytest.raises(LookupError):
        StaticAssets.scan(tmp_path).url("css/missing.css")

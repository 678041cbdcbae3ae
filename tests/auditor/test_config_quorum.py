"""`[networks.X] urls = [...]` / `url_env = [...]` with `quorum = N` (provider quorum, chains/quorum.py): parsed
into one Endpoint per URL, secrets from the environment, every mistake refused naming the key."""

from __future__ import annotations

import pytest

from auditor.config import ConfigError, load_config

ENV = {"A_URL": "https://a.example/v3/KEY-AAAA1111", "B_URL": "https://b.example/rpc?key=KEY-BBBB2222",
       "KEY": "k3y-s3cret"}


def _load(tmp_path, network: str, environ=ENV):
    path = tmp_path / "audit.toml"
    path.write_text(f"[input]\nfile='a.csv'\n[networks.ETH]\n{network}\n", encoding="utf-8")
    return load_config(path, environ)


def _error(tmp_path, network: str, environ=ENV) -> str:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, network, environ)
    return str(caught.value)


def test_urls_give_one_endpoint_each_with_the_same_settings(tmp_path):
    settings = _load(tmp_path, "urls = ['https://a.example/${KEY}', 'https://b.example:8545']\nquorum = 2\n"
                               "batch_size = 7\nchain_id = 1").networks["ETH"]
    assert settings.quorum == 2
    assert [e.url for e in settings.all_endpoints] == ["https://a.example/k3y-s3cret", "https://b.example:8545"]
    assert [e.display for e in settings.all_endpoints] == ["https://a.example", "https://b.example:8545"]
    assert all(e.batch_size == 7 and e.chain_id == 1 for e in settings.all_endpoints)
    assert settings.endpoint == settings.all_endpoints[0]  # code reading one endpoint still finds the first


def test_url_env_list_and_default_quorum_is_every_endpoint(tmp_path):
    settings = _load(tmp_path, "url_env = ['A_URL', 'B_URL']").networks["ETH"]
    assert [e.display for e in settings.all_endpoints] == ["https://a.example", "https://b.example"]
    assert settings.quorum == 2


def test_a_single_url_is_a_quorum_of_one(tmp_path):
    settings = _load(tmp_path, "url = 'https://a.example'").networks["ETH"]
    assert settings.all_endpoints == (settings.endpoint,) and settings.quorum == 1


@pytest.mark.parametrize(
    "network, expected",
    [
        ("url = 'http://a'\nurls = ['http://b']", "[networks.ETH] urls: set url or urls, not both"),
        ("urls = ['http://a']\nurl_env = 'A_URL'", "[networks.ETH] url_env: set urls or url_env, not both"),
        ("urls = ['http://a', 'http://b']\nquorum = 3", "[networks.ETH] quorum: must be at least 1 and at most 2"),
        ("urls = ['http://a', 'http://b']\nquorum = 0", "[networks.ETH] quorum: must be at least 1"),
        ("urls = ['http://a', 'http://b']\nquorum = '2'", "[networks.ETH] quorum: must be an integer"),
        ("url = 'http://a'\nquorum = 2", "[networks.ETH] quorum: must be at least 1 and at most 1"),
        ("quorum = 1", "[networks.ETH] quorum: needs urls"),
        ("urls = []", "[networks.ETH] urls: must be a string or a non-empty list of URLs"),
        ("urls = ['http://a', 3]", "[networks.ETH] urls: must be a string or a non-empty list of URLs"),
        ("url_env = ['A_URL', 'NOT_SET']", "[networks.ETH] url_env: environment variable NOT_SET is not set"),
        ("urls = ['http://a/${NOT_SET}']", "NOT_SET"),
        ("urls = ['https://a.example/one', 'https://a.example/two']", "https://a.example named more than once"),
        ("urls = ['http://a', 'http://b']\nheaders_env = {X-Key = 'KEY'}", "headers_env: applies to a single url"),
        ("urls = ['http://a']\nqourum = 1", "did you mean 'quorum'?"),
    ],
)
def test_mistakes_are_refused_naming_the_key(tmp_path, network, expected):
    message = _error(tmp_path, network)
    assert expected in message
    assert "KEY-AAAA1111" not in message and "k3y-s3cret" not in message

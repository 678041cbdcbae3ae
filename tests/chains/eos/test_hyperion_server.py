"""The Hyperion stand-in answers with Hyperion's documented shapes (eosrio/hyperion-history-api:
api/routes/v2-history/get_actions/index.ts `getActionResponseSchema`, api/routes/v2/health/health.ts), from the
real chain's actions, and errs as Hyperion does on a bad page size."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.nodes.hyperion_server import HyperionThread

# getActionResponseSchema's fields with their JSON types (receiver/parent/account_ram_deltas are optional)
ACTION_FIELDS = {"@timestamp": str, "timestamp": str, "block_num": int, "trx_id": str, "act": dict,
                 "notified": list, "cpu_usage_us": int, "net_usage_words": int, "global_sequence": int,
                 "producer": str, "action_ordinal": int, "creator_action_ordinal": int}


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_get_actions_and_health_have_hyperions_shapes(eos_world):
    world = eos_world
    with HyperionThread(world.chain.api_url) as server:
        status, reply = _get(f"{server.url}/v2/history/get_actions?account=alice&sort=asc&limit=50")
        assert status == 200 and {"cached", "lib", "total", "actions"} <= set(reply)
        assert reply["total"]["value"] == len(reply["actions"]) >= 2
        for action in reply["actions"]:
            for name, kind in ACTION_FIELDS.items():
                assert isinstance(action[name], kind), (name, action)
            assert {"account", "name", "authorization", "data"} <= set(action["act"])
        funding = reply["actions"][0]
        assert funding["act"]["name"] == "transfer" and funding["block_num"] <= world.snapshot
        data = funding["act"]["data"]
        assert data["to"] == "alice" and data["quantity"] == "100.0000 EOS"
        assert data["amount"] == 100.0 and data["symbol"] == "EOS"  # Hyperion's extra transfer fields
        assert set(funding["notified"]) == {"eosio.token", "eosio", "alice"}  # one entry, notifications merged
        sequences = [a["global_sequence"] for a in reply["actions"]]
        assert sequences == sorted(sequences)
        status, grouped = _get(f"{server.url}/v2/history/get_actions?notified=alice,bob&filter=eosio.token:transfer"
                               f"&block_num={world.snapshot + 1}-{world.chain.head()}&sort=asc&limit=50")
        assert status == 200 and grouped["actions"]
        assert all({"alice", "bob"} & set(a["notified"]) for a in grouped["actions"])
        assert all(a["block_num"] > world.snapshot for a in grouped["actions"])
        status, error = _get(f"{server.url}/v2/history/get_actions?account=alice&limit=1001")
        assert status == 500 and error["message"] == "limit too big, maximum: 1000"
        status, health = _get(f"{server.url}/v2/health")
        services = {s["service"]: s for s in health["health"]}
        assert services["NodeosRPC"]["service_data"]["chain_id"] == world.chain.chain_id
        elastic = services["Elasticsearch"]["service_data"]
        assert {"first_indexed_block", "last_indexed_block", "total_indexed_blocks", "missing_blocks"} <= set(elastic)
        assert elastic["last_indexed_block"] >= world.snapshot and elastic["missing_blocks"] == 0

"""`outreach serve`: the web app (gateway callbacks, health) and a worker in one process.

On the embedded defaults this is the whole service on one machine. The bot joins it with the
chat work; the staff API with the results work.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import typer

from campaigns import CampaignCallbacks
from channels import GatewaySettings
from channels.sandbox import serve as serve_app
from cli.context import console, database, run
from core import create_redis, get_logger, load_settings
from web import create_app
from web.providers import all_providers
from worker import build_worker

log = get_logger("serve")


def serve(
    host: Annotated[str, typer.Option(help="监听地址 / Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 / Port.")] = 8080,
) -> None:
    """运行网页回调与后台发送（单进程）/ Run callbacks and the sending worker in one process."""

    async def body() -> None:
        gateways = GatewaySettings()
        redis = create_redis(load_settings().redis_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with database() as engine:
            providers = all_providers(
                twilio_auth_token=gateways.twilio_auth_token,
                public_base_url=gateways.public_base_url,
            )
            runner = await serve_app(
                create_app(CampaignCallbacks(engine), providers=providers), host, port
            )
            try:
                async with build_worker(engine, redis, gateways) as worker:
                    console.print(
                        f"服务已启动 / serving on http://{host}:{port}  "
                        f"网关 gateways: {', '.join(sorted(worker.channels)) or '（未配置 none）'}"
                    )
                    await worker.run(stop)
            finally:
                await runner.cleanup()
                await redis.aclose()
        console.print("已停止 / stopped")

    run(body())

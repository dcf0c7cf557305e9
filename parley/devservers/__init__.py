"""Real Kafka and Redis servers for tests and local runs, installed and started by the project's own code.

`KafkaBroker`, `RedisServer` and `RedisCluster` are context managers that start a throw-away server on free
127.0.0.1 ports and stop it cleanly; `python -m parley.devservers ensure` installs what they need.
"""

from parley.devservers.kafka import KAFKA_VERSION, KafkaBroker, KafkaDistribution, ensure_kafka
from parley.devservers.process import DevServerError, MissingDependency, StartupFailed
from parley.devservers.redis import RedisCluster, RedisServer
from parley.devservers.system import ensure_system_packages

__all__ = [
    "KAFKA_VERSION",
    "DevServerError",
    "KafkaBroker",
    "KafkaDistribution",
    "MissingDependency",
    "RedisCluster",
    "RedisServer",
    "StartupFailed",
    "ensure_kafka",
    "ensure_system_packages",
]

"""Metadata, acks=all produce and a consumer group read with kafka-python (Debian's python3-kafka),
a client that shares no code with librdkafka. Prints one line per step; exits non-zero on failure.
Usage: python3 kafka_python_basic.py <bootstrap> <topic> <count>"""
import sys
import uuid

from kafka import KafkaConsumer, KafkaProducer

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])

producer = KafkaProducer(bootstrap_servers=bootstrap, acks='all', client_id='kafka-python-compat')
for i in range(count):
    producer.send(topic, key=b'k%d' % i, value=b'v%d' % i).get(timeout=15)
producer.flush()
partitions = sorted(producer.partitions_for(topic))
producer.close()
print('partitions', len(partitions))

consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id='kafka-python-' + uuid.uuid4().hex,
                         client_id='kafka-python-compat', auto_offset_reset='earliest',
                         consumer_timeout_ms=20000, session_timeout_ms=6000, heartbeat_interval_ms=1000)
values = set()
for message in consumer:
    values.add(message.value.decode())
    if len(values) == count:
        break
consumer.commit()
consumer.close()
print('consumed', len(values))
sys.exit(0 if values == {'v%d' % i for i in range(count)} else 1)

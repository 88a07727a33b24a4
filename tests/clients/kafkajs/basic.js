// node basic.js <bootstrap> <topic> <count>
// Produces <count> records (idempotent, acks -1) to <topic>, reads them back in a new consumer group
// from the beginning, and prints "consumed N" once every key arrived. Exits 1 after 25 s otherwise.
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, topic, countText] = process.argv.slice(2);
const count = Number(countText);
const kafka = new Kafka({ clientId: 'kafkajs-check', brokers: bootstrap.split(','), logLevel: logLevel.ERROR });
const deadline = setTimeout(() => { console.error(`timed out: ${seen.size}/${count} consumed`); process.exit(1); }, 25000);
const seen = new Set();

(async () => {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic,
    acks: -1,
    messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
  });
  await producer.disconnect();
  console.log(`produced ${count}`);

  const consumer = kafka.consumer({ groupId: `${topic}-group` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise((resolve, reject) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value.toString() !== `v${message.key.toString().slice(1)}`) {
          reject(new Error(`unexpected record ${message.key}=${message.value}`));
        }
        seen.add(message.key.toString());
        if (seen.size === count) resolve();
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  clearTimeout(deadline);
  console.log(`consumed ${seen.size}`);
})().catch(e => { console.error(e); process.exit(1); });

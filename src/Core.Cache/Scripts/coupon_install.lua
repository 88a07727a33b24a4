-- Swaps a fully staged holder set in, with the stock and a new epoch, unless the campaign is
-- loaded already (another rebuild won), and marks the campaign as loaded in this server's life.
-- ARGV[3..] are the members of uncertain entries, stamped now (Redis's clock).
local meta, holders, staging, uncertain, loaded = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
if redis.call('EXISTS', meta) == 1 and redis.call('SISMEMBER', holders, '0') == 1 then
  redis.call('DEL', staging)
  return 0
end
redis.call('SADD', staging, '0')
redis.call('PERSIST', staging)
redis.call('RENAME', staging, holders)
redis.call('DEL', meta, uncertain)
redis.call('HSET', meta, 'stock', ARGV[1], 'epoch', ARGV[2])
redis.call('SET', loaded, '1')
local now = now_ms()
for i = 3, #ARGV do
  redis.call('HSET', uncertain, ARGV[i], now)
end
return 1

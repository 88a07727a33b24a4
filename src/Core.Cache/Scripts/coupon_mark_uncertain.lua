-- Keeps the slot of a produce that may have landed, and notes it for settling (stamped now, by Redis's clock).
local meta, holders, uncertain = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', meta) == 0 or redis.call('SISMEMBER', holders, '0') == 0 then return 0 end
redis.call('SADD', holders, ARGV[1])
redis.call('HSET', uncertain, ARGV[1], now_ms() .. ':' .. ARGV[2])
return 1

-- Gives a slot back after a produce that certainly did not persist. Only in the same epoch (a
-- rebuild since may have given this member's slot to a newer request of the same member) and
-- only while the entry still holds this attempt's stamp (an ambiguous failure or a retry since
-- renewed it: that attempt may have landed).
local meta, holders, uncertain = KEYS[1], KEYS[2], KEYS[3]
if redis.call('HGET', meta, 'epoch') ~= ARGV[2] or redis.call('SISMEMBER', holders, '0') == 0 then return 0 end
if redis.call('HGET', uncertain, ARGV[1]) ~= ARGV[3] then return 0 end
redis.call('HDEL', uncertain, ARGV[1])
return redis.call('SREM', holders, ARGV[1])

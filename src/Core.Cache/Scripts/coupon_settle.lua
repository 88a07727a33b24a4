-- Settles one unsettled entry, but only if it still holds the stamp read (compare-and-delete):
-- ARGV[3] '1' gives the slot back, '0' keeps it as a granted coupon (also how an acknowledgement confirms).
local holders, uncertain = KEYS[1], KEYS[2]
if redis.call('HGET', uncertain, ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', uncertain, ARGV[1])
if ARGV[3] == '1' then redis.call('SREM', holders, ARGV[1]) end
return 1

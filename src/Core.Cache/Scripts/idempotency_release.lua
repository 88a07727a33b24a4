-- Gives a claim back, but only our own and only while it is still in flight.
if redis.call('GET', KEYS[1]) == 'p|' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0

-- Reserves a coupon slot. The checks run in the contract's order; only when all pass does it
-- change anything. KEYS: one campaign's hash slot. ARGV[4] says whether the member id is in the
-- member cache (read just before, in its own slot: member ids are only ever added).
local meta, holders, uncertain = KEYS[1], KEYS[2], KEYS[3]
local member, nonce, known = ARGV[1], ARGV[2], ARGV[3]
if redis.call('EXISTS', meta) == 0 or redis.call('SISMEMBER', holders, '0') == 0 then
  return {'campaign-not-loaded', false, false}
end
local epoch = redis.call('HGET', meta, 'epoch')
if known ~= '1' then return {'member-not-found', epoch, false} end
local stamp = now_ms() .. ':' .. nonce
if redis.call('SISMEMBER', holders, member) == 1 then
  if redis.call('HEXISTS', uncertain, member) == 1 then
    redis.call('HSET', uncertain, member, stamp)
    return {'retry-uncertain', epoch, stamp}
  end
  return {'already-issued', epoch, false}
end
if redis.call('SCARD', holders) - 1 >= tonumber(redis.call('HGET', meta, 'stock')) then
  return {'sold-out', epoch, false}
end
redis.call('SADD', holders, member)
redis.call('HSET', uncertain, member, stamp)
return {'reserved', epoch, stamp}

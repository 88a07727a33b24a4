-- A registration's one Redis round trip before its produce: refuses an email known to be taken;
-- otherwise marks the registration id accepted, so that its status reads Pending from the moment
-- the 202 can be sent (the caller removes the mark when the produce fails).
-- KEYS[1] the email-hash set, KEYS[2] the registration's mark; ARGV[1] the email hash, ARGV[2] the mark's TTL in ms.
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  return 1
end
redis.call('SET', KEYS[2], 'accepted', 'PX', ARGV[2])
return 0

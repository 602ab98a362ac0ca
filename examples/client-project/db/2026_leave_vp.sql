-- CR: 请假超过 3 天增加分管领导审批；审批通过后同步考勤年假余额
-- 只新增可为空的字段，原有数据不变；旧版本程序不读这两个字段。
ALTER TABLE leave ADD COLUMN vp_approver varchar(50) NULL;
ALTER TABLE leave ADD COLUMN sync_state varchar(10) NULL;

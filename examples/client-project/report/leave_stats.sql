SELECT dept, month, SUM(days) FROM leave GROUP BY dept, month;
